package stonith

// FencerParameters are the instance attributes every stonith resource
// takes besides its agent's own, which the fencer interprets itself
// (pacemaker-fenced's meta-data). crm ra info lists them after the
// agent's parameters; so does pacer ra info. The per-action
// pcmk_ACTION_action, _timeout and _retries family is described in
// docs/agents.md rather than repeated here for every action.
func FencerParameters() []Parameter {
	return []Parameter{
		{Name: ParamHostArgument, ContentType: "string", Default: DefaultHostArgument, HasDefault: true,
			ShortDesc: "Advanced use only: the agent parameter that names the target instead of 'port'",
			LongDesc: "Some agents call the target plug, or take no target at all. Set the parameter that " +
				"names the machine to fence, or none to pass no such parameter."},
		{Name: ParamHostMap, ContentType: "string",
			ShortDesc: "Map from node names to the device's plug names",
			LongDesc:  "For devices that do not know node names: node1:1;node2:2,3 fences node1 through plug 1 and node2 through plugs 2 and 3."},
		{Name: ParamHostList, ContentType: "string",
			ShortDesc: "The nodes this device can fence, e.g. node1,node2,node3",
			LongDesc:  "Used when pcmk_host_check is static-list."},
		{Name: ParamHostCheck, ContentType: "string", Default: "dynamic-list", HasDefault: true,
			ShortDesc: "How to find out which nodes the device can fence",
			LongDesc: "dynamic-list asks the device (the list action), static-list reads pcmk_host_list, " +
				"status asks the device about each node (the status action), none assumes it can fence every node."},
		{Name: ParamDelayMax, ContentType: "time", Default: "0s", HasDefault: true,
			ShortDesc: "Upper bound of a random delay before fencing",
			LongDesc:  "The delay is pcmk_delay_base plus a random part, kept below this value."},
		{Name: ParamDelayBase, ContentType: "string", Default: "0s", HasDefault: true,
			ShortDesc: "Fixed delay before fencing",
			LongDesc: "Keeps two nodes from fencing each other at once. A single time applies to every target; " +
				"a map such as node1:1s;node2:5 sets one per target."},
		{Name: ParamActionLimit, ContentType: "integer", Default: "1", HasDefault: true,
			ShortDesc: "How many actions may run on this device at once",
			LongDesc:  "Needs the cluster property concurrent-fencing=true; -1 is unlimited."},
	}
}
