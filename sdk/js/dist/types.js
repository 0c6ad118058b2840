/**
 * The shapes Driveway's SDK API answers with (they follow the Paragon
 * Connect API), and the SDK's option types.
 *
 * @module
 */
export {};
