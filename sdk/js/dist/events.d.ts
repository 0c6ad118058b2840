import type { AuthenticatedUser, SDKEvent, SDKEventListener, SDKEventName } from "./types.js";
/** A set of listeners per event name. */
export declare class Emitter {
    private readonly listeners;
    /** Adds a listener and returns the function that removes it. */
    subscribe(name: SDKEventName, listener: SDKEventListener): () => void;
    /** Removes a listener. */
    unsubscribe(name: SDKEventName, listener: SDKEventListener): void;
    /** Calls every listener of name; a throwing listener does not stop the others. */
    emit(name: SDKEventName, event: SDKEvent, user: AuthenticatedUser): void;
}
