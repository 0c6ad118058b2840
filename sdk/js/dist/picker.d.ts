import type { Credential } from "./types.js";
/** Options of {@link pickFiles}. */
export interface PickFilesOptions {
    /** Let the user pick several items (default: one). */
    multiple?: boolean;
    /** What may be picked: "files" (default), "folders" or "all". */
    mode?: "files" | "folders" | "all";
    /** The picker's typesAndSources filters, e.g. `[".pdf", ".docx"]`, `["photo"]`. */
    filters?: string[];
    /** Offer search (default true). */
    search?: boolean;
    /** Which connected account, when the user has several. */
    selectedCredentialId?: string;
    /** Called with the picked items (also the promise's value). */
    onPick?: (items: PickedItem[]) => void;
    /** Called when the picker closes, after a pick or not. */
    onClose?: () => void;
    /** Called with the picker's notifications (e.g. page-loaded). */
    onNotification?: (data: Record<string, unknown>) => void;
}
/** An item as the picker's `pick` command carries it. */
export interface PickedItem {
    id: string;
    name: string;
    parentReference: {
        driveId: string;
        id?: string;
        sharepointIds?: Record<string, string>;
    };
    size?: number;
    webUrl?: string;
    file?: Record<string, unknown>;
    folder?: Record<string, unknown>;
    [key: string]: unknown;
}
/** What pickFiles needs of the client. */
export interface PickerClient {
    getIntegrationAccount(type: string, opts: {
        includeAccountAuth?: boolean;
        selectedCredentialId?: string;
        pickerResource?: string;
    }): Promise<Credential>;
}
/** The picker's URL for an accountAuth DOMAIN. */
export declare function pickerUrl(domain: string): string;
/**
 * Opens the OneDrive File Picker for the user's connected account and
 * resolves with the picked items (an empty array when the user cancels or
 * closes it). Call it from a click handler: it opens a popup.
 */
export declare function pickFiles(client: PickerClient, win: Window, type: string, opts?: PickFilesOptions): Promise<PickedItem[]>;
