// Bundled by esbuild into one browser script (global DrivewayParagon);
// DrivewayParagon.default is the ConnectSDK class of @useparagon/connect.
module.exports = require("@useparagon/connect/ConnectSDK");
