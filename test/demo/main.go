// Command demo is `make demo`: a three-node pacer cluster in network
// namespaces with a VIP and a group, fencing through the lab fence agent,
// and a failover when the node running the group loses its power, with
// the times read from pacerd's own logs. Everything it creates is removed
// at the end, also on an error or Ctrl-C. Without network namespaces (not
// root, or a container that forbids them) it runs on loopback with Dummy
// resources and no fencing, and says so.
//
//	go run ./test/demo -bin bin            # what make demo runs
//	go run ./test/demo -bin bin -keep      # keep the logs
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	var opt options
	flag.StringVar(&opt.bin, "bin", "bin", "directory with the pacer and pacerd binaries")
	flag.StringVar(&opt.agents, "agents", "agents/scripts", "the repository's shipped agents (ocf/pacer/Dummy, fence/fence_pacer_lab)")
	flag.BoolVar(&opt.loopback, "loopback", false, "run on loopback even where network namespaces can be made")
	flag.BoolVar(&opt.keep, "keep", false, "keep the work directory with the logs")
	flag.StringVar(&opt.ipaddr2, "ipaddr2", "/usr/lib/ocf/resource.d/heartbeat/IPaddr2", "resource-agents' IPaddr2")
	flag.StringVar(&opt.shellfunc, "shellfuncs", "/usr/lib/ocf/lib/heartbeat/ocf-shellfuncs", "resource-agents' ocf-shellfuncs")
	flag.Parse()
	opt.out = os.Stdout

	// Ctrl-C cancels the demo, which then cleans up before exiting.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	defer stop()
	if _, err := runDemo(ctx, opt); err != nil {
		if ctx.Err() != nil {
			err = fmt.Errorf("interrupted: %w", err)
		}
		fmt.Fprintln(os.Stderr, "demo failed:", err)
		stop()
		os.Exit(1)
	}
}
