// Package fencing is STONITH: fence devices, fencing topology (levels per
// node), which device can fence which node (pcmk_host_list / pcmk_host_map
// / pcmk_host_check), fencing history, the two-node fence delay, and
// unfencing. A node never fences itself through a device.
//
// Delivered by issue 9; this file fixes the package's place in the layout.
package fencing
