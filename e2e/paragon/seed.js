// The seed's code: the lines of the OneDrive integration guide, run
// unchanged against Driveway by connect/seed_test.go. The only added line
// is configureGlobal, which points the published package's `paragon`
// singleton at a deployment; the page sets window.driveway.
import { paragon } from "@useparagon/connect";

const { host, projectId, userToken, itemId } = window.driveway;
window.result = {};
paragon.configureGlobal({ host });
window.paragon = paragon; // for the test's own calls after the seed's

// seed runs the guide's lines as written, with the project, the user token
// and the item id filled in.
async function seed() {
  // Authenticate the user
  paragon.authenticate(projectId, userToken);

  // List files in the root of the drive
  const listing = await paragon.request("onedrive", "/me/drive/root/children", {
    method: "GET"
  });

  // Download a specific file in a drive
  const content = await paragon.request("onedrive", `/me/drive/items/${itemId}/content`, {
    method: "GET"
  })
  return { listing, content };
}

// install connects OneDrive through the SDK's popup flow, then uploads the
// file the seed's lines download.
async function install() {
  await paragon.installIntegration("onedrive");
  const file = await paragon.request("onedrive", "/me/drive/root:/seed.txt:/content", {
    method: "PUT", body: "Hello from the seed", headers: { "Content-Type": "text/plain" },
  });
  return file.id;
}

function fail(where) {
  return (e) => { window.result.error = where + ": " + ((e && e.message) || String(e)); };
}

if (itemId) {
  seed().then(({ listing, content }) => {
    window.result.names = ((listing && listing.value) || []).map((f) => f.name);
    window.result.content = content;
    window.result.done = true;
  }, fail("seed"));
} else {
  paragon.authenticate(projectId, userToken).then(() => { window.result.ready = true; }, fail("authenticate"));
  document.getElementById("install").addEventListener("click", () => {
    install().then((id) => { window.result.itemId = id; }, fail("install"));
  });
}
