// The look-alike cases (not leaks), in report order ("look-alike 01", …).
import type { LookAlikeCase } from '../../case';
import abortController from './abort-controller';
import asyncLocalStorage from './async-local-storage';
import boundedLruCache from './bounded-lru-cache';
import clearedTimeout from './cleared-timeout';
import closureCycle from './closure-cycle';
import finalizationRegistry from './finalization-registry';
import hostSlots from './host-slots';
import lazySingleton from './lazy-singleton';
import listenerFinally from './listener-finally';
import moduleState from './module-state';
import objectPool from './object-pool';
import onceListener from './once-listener';
import parentChildCycle from './parent-child-cycle';
import pendingRequests from './pending-requests';
import promiseChain from './promise-chain';
import returnedValue from './returned-value';
import ringBuffer from './ring-buffer';
import setImmediateExport from './set-immediate';
import streamDestroyed from './stream-destroyed';
import streamPipeline from './stream-pipeline';
import timerRelease from './timer-release';
import ttlCache from './ttl-cache';
import weakMemo from './weak-memo';
import weakmapCache from './weakmap-cache';
import weakrefHolder from './weakref-holder';

export const lookAlikes: readonly LookAlikeCase[] = [
  boundedLruCache,
  ringBuffer,
  ttlCache,
  lazySingleton,
  hostSlots,
  objectPool,
  moduleState,
  weakrefHolder,
  weakmapCache,
  weakMemo,
  finalizationRegistry,
  timerRelease,
  setImmediateExport,
  promiseChain,
  clearedTimeout,
  onceListener,
  listenerFinally,
  abortController,
  pendingRequests,
  asyncLocalStorage,
  streamPipeline,
  streamDestroyed,
  parentChildCycle,
  closureCycle,
  returnedValue,
];
