// The leak cases, in report order ("leak 01", "leak 02", …).
import type { LeakCase } from '../../case';
import abortSignalListener from './abort-signal-listener';
import alsAsyncResource from './als-async-resource';
import alsKeepaliveTimer from './als-keepalive-timer';
import batchNeverFlushed from './batch-never-flushed';
import cacheNeverClosed from './cache-never-closed';
import boundHandlers from './bound-handlers';
import classStaticField from './class-static-field';
import errorLogCause from './error-log-cause';
import farFutureTimeout from './far-future-timeout';
import finalizationHeldValue from './finalization-held-value';
import functionPropertyCache from './function-property-cache';
import globalRegistry from './global-registry';
import hooksArray from './hooks-array';
import intervalNeverCleared from './interval-never-cleared';
import listenerNeverRemoved from './listener-never-removed';
import mapKeyedByResponse from './map-keyed-by-response';
import memoizeByUrl from './memoize-by-url';
import neverSettlingReady from './never-settling-ready';
import onceNeverFired from './once-never-fired';
import pollingLoop from './polling-loop';
import previousPageChain from './previous-page-chain';
import processExitListener from './process-exit-listener';
import proxyWrapper from './proxy-wrapper';
import requestMetaReferer from './request-meta-referer';
import retryQueue from './retry-queue';
import seenSet from './seen-set';
import streamNeverDestroyed from './stream-never-destroyed';
import suspendedGenerators from './suspended-generators';
import symbolKeyedProperty from './symbol-keyed-property';
import treeUnderRoot from './tree-under-root';
import urlCacheUnbounded from './url-cache-unbounded';
import weakmapLiveKey from './weakmap-live-key';

export const leaks: readonly LeakCase[] = [
  listenerNeverRemoved,
  processExitListener,
  abortSignalListener,
  onceNeverFired,
  intervalNeverCleared,
  farFutureTimeout,
  pollingLoop,
  urlCacheUnbounded,
  memoizeByUrl,
  functionPropertyCache,
  seenSet,
  mapKeyedByResponse,
  weakmapLiveKey,
  hooksArray,
  boundHandlers,
  neverSettlingReady,
  suspendedGenerators,
  alsAsyncResource,
  alsKeepaliveTimer,
  globalRegistry,
  classStaticField,
  symbolKeyedProperty,
  retryQueue,
  requestMetaReferer,
  errorLogCause,
  treeUnderRoot,
  previousPageChain,
  batchNeverFlushed,
  streamNeverDestroyed,
  proxyWrapper,
  finalizationHeldValue,
  cacheNeverClosed,
];
