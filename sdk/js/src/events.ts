/**
 * Client-side SDK events (`subscribe`). The server pushes nothing: the SDK
 * fires these itself when an install or uninstall it ran completes.
 *
 * @module
 */
import { DrivewayError } from "./errors.js";
import type { AuthenticatedUser, SDKEvent, SDKEventListener, SDKEventName } from "./types.js";

const names: readonly SDKEventName[] = [
  "onIntegrationInstall",
  "onIntegrationUninstall",
  "onWorkflowChange",
  "onPortalOpen",
  "onPortalClose",
];

/** A set of listeners per event name. */
export class Emitter {
  private readonly listeners = new Map<SDKEventName, Set<SDKEventListener>>();

  /** Adds a listener and returns the function that removes it. */
  subscribe(name: SDKEventName, listener: SDKEventListener): () => void {
    if (!names.includes(name)) {
      throw new DrivewayError(`unknown event ${JSON.stringify(name)}: use one of ${names.join(", ")}`);
    }
    if (typeof listener !== "function") throw new DrivewayError("subscribe needs a callback function");
    let set = this.listeners.get(name);
    if (!set) this.listeners.set(name, (set = new Set()));
    set.add(listener);
    return () => this.unsubscribe(name, listener);
  }

  /** Removes a listener. */
  unsubscribe(name: SDKEventName, listener: SDKEventListener): void {
    this.listeners.get(name)?.delete(listener);
  }

  /** Calls every listener of name; a throwing listener does not stop the others. */
  emit(name: SDKEventName, event: SDKEvent, user: AuthenticatedUser): void {
    for (const l of [...(this.listeners.get(name) ?? [])]) {
      try {
        l(event, user);
      } catch (err) {
        queueMicrotask(() => {
          throw err;
        });
      }
    }
  }
}
