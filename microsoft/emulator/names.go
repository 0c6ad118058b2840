package emulator

import (
	"regexp"
	"strings"
)

// Name rules from Microsoft's "Restrictions and limitations in OneDrive and
// SharePoint" (support.microsoft.com, article 64883a5d-228e-48f5-b3d2-eb39e07630fa),
// which covers both account kinds:
//
//   - invalid characters: " * : < > ? / \ | ; "#" and "%" are allowed in
//     OneDrive for work or school and SharePoint Online (a tenant may turn
//     them off, which the emulator does not model) and in personal OneDrive;
//   - leading and trailing spaces are not allowed;
//   - names not allowed for files or folders: .lock, CON, PRN, AUX, NUL,
//     COM0-COM9, LPT0-LPT9, _vti_, desktop.ini, any name starting with ~$;
//     "_vti_" cannot appear anywhere in a name;
//   - SharePoint (business): "forms" is not supported as a folder at the
//     root of a library, and a folder name cannot begin with a tilde.
//
// Names ending in a period are refused too: the page no longer lists it, but
// Windows cannot hold such names and the emulator has always refused them;
// see docs/emulator.md.
const invalidNameChars = `"*:<>?/\|`

var reservedName = regexp.MustCompile(`(?i)^(\.lock|con|prn|aux|nul|com[0-9]|lpt[0-9]|desktop\.ini)$`)

// validName checks a new name for an item in parent (nil for the root).
func validName(d *Drive, parent *Item, name string, folder bool) *graphError {
	switch {
	case strings.TrimSpace(name) == "" || strings.ContainsAny(name, invalidNameChars):
		return badName("The provided name contains invalid characters.")
	case strings.HasPrefix(name, " ") || strings.HasSuffix(name, " ") || strings.HasSuffix(name, "."):
		return badName("The provided name cannot begin or end with a space or end with a period.")
	case reservedName.MatchString(name) || strings.HasPrefix(name, "~$") ||
		strings.Contains(strings.ToLower(name), "_vti_"):
		return badName("The provided name is reserved.")
	case d.Mode == ModeBusiness && folder && strings.HasPrefix(name, "~"):
		return badName("A folder name cannot begin with a tilde.")
	case d.Mode == ModeBusiness && folder && parent != nil && parent.ParentID == "" && strings.EqualFold(name, "forms"):
		return badName("'forms' is not supported as a folder at the root of a library.")
	}
	return nil
}

func badName(msg string) *graphError {
	return gerr(400, "invalidRequest", msg, "invalidPath")
}
