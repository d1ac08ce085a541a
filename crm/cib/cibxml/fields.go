package cibxml

// The attribute tables live in crm/cib (cib.Field): the reader fills the
// model and the writer prints it from the same tables as the crm shell
// parser and printer. Attributes not listed go to and come from Extra.

var sections = [...]string{
	"crm_config", "nodes", "resources", "constraints", "rsc_defaults",
	"op_defaults", "fencing-topology", "tags", "alerts",
}

func isSection(name string) bool {
	for _, s := range sections {
		if s == name {
			return true
		}
	}
	return false
}
