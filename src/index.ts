/**
 * trackref: live-object tracking (Scrapy's trackref), forced garbage collection and leak checks.
 * This entry re-exports the public API; it must never run code with side effects on import beyond
 * defining classes and functions.
 */
export { ObjectRef, track } from './object-ref';
export { formatLiveRefs, printLiveRefs, prefs, getOldest, iterAll } from './live-refs';
export type { LiveRefsOptions } from './live-refs';
export { collectGarbage } from './gc';
export { checkLeaks } from './check';
export { TrackrefError } from './errors';
export type { ClassTarget, ClassTargets, GrowthRule, LeakCheckOptions } from './targets';
export type { LeakReport, LeakReportData, LeakRow, LeakedInstance, MemorySample, FormatOptions, ReportStyle, RetainerHolder, RetainerStepNote, SelfRelease } from './report';
export { heap, HeapSet, HeapPartition, HeapDiff } from './heap-view';
export type { HeapDiffRow } from './heap-view';
export { allocationSiteOf, captureAllocationSites } from './object-ref';
export type { AllocationSite } from './allocation';
export { startConsole } from './console/server';
export type { ConsoleHandle } from './console/server';
export type { ConsoleOptions, ConsoleLogger, ConsoleRateLimit, ConsoleScope } from './console/options';
