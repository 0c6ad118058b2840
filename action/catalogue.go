package action

// definitions lists every action, in the order the listing shows them:
// the seed guide's workflow actions first, then the others.
func definitions() []*Action {
	var all []*Action
	content := contentActions()
	read := readActions()
	write := writeActions()
	byName := map[string]*Action{}
	for _, a := range append(append(append([]*Action{}, content...), read...), write...) {
		byName[a.Name] = a
	}
	for _, n := range order {
		if a := byName[n]; a != nil {
			all = append(all, a)
		}
	}
	return append(all, requestAction())
}

// order is the listing order (ONEDRIVE_REQUEST comes last).
var order = []string{
	"ONEDRIVE_SAVE_FILE", "ONEDRIVE_GET_FILE_BY_ID", "ONEDRIVE_DOWNLOAD_FILE", "ONEDRIVE_LIST_CONTENTS",
	"ONEDRIVE_CREATE_FOLDER", "ONEDRIVE_GET_FOLDER_BY_ID", "ONEDRIVE_SEARCH_FOLDERS", "ONEDRIVE_MOVE_FOLDER",
	"ONEDRIVE_DELETE_FOLDER", "ONEDRIVE_GET_ITEM_BY_PATH", "ONEDRIVE_SEARCH_FILES", "ONEDRIVE_MOVE_FILE",
	"ONEDRIVE_RENAME_ITEM", "ONEDRIVE_COPY_ITEM", "ONEDRIVE_DELETE_FILE", "ONEDRIVE_LIST_DRIVES",
	"ONEDRIVE_CREATE_SHARING_LINK", "ONEDRIVE_LIST_CHANGES",
}
