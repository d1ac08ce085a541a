package main

// The CIB the scheduling commands (`pacer explain`, `pacer simulate
// --live`) run the scheduler on: a file offline, or the live cluster's
// CIB and membership read through the local pacerd.

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"pacer/crm/cib"
	"pacer/crm/cib/cibxml"
	"pacer/internal/control"
)

// schedCIB is a CIB to schedule on and where it came from.
type schedCIB struct {
	CIB *cib.CIB
	// Source says where it came from, for the output's header: the
	// file, or the live cluster's version and the node asked.
	Source string
	Live   bool
	// Now is "now" for the scheduler: the wall clock for the live
	// cluster; offline, zero (the CIB's execution-date, else the wall
	// clock, as pacer simulate).
	Now time.Time
}

// readCIBFile reads a CIB file (- for stdin) as pacer simulate does.
func readCIBFile(path string) (*cib.CIB, error) {
	if path == "-" {
		return cibxml.Read(os.Stdin, "stdin")
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return cibxml.Read(f, path)
}

// loadSchedCIB reads the CIB from file when it is not "", else from the
// live cluster through the pacerd at socket: a linearizable read through
// the DC, or this node's applied copy with local (a node cut off from the
// DC can still explain what it knows).
func loadSchedCIB(ctx context.Context, file, socket string, local bool) (*schedCIB, error) {
	if file != "" {
		c, err := readCIBFile(file)
		if err != nil {
			return nil, err
		}
		s := &schedCIB{CIB: c, Source: file}
		if c.ExecutionDate == "" {
			s.Now = time.Now().UTC()
		}
		return s, nil
	}
	cl, err := dialPacerd(ctx, socket)
	if err != nil {
		return nil, err
	}
	defer cl.Close()
	v, err := cl.GetCIB(ctx, local)
	if err != nil {
		return nil, fmt.Errorf("read the CIB from pacerd at %s: %w", socket, err)
	}
	ni, err := cl.NodeInfo(ctx)
	if err != nil {
		return nil, fmt.Errorf("ask pacerd at %s who is in the cluster: %w", socket, err)
	}
	c, err := cibxml.Read(strings.NewReader(v.XML), "live CIB")
	if err != nil {
		return nil, fmt.Errorf("the CIB pacerd sent: %w", err)
	}
	liveSchedulerInput(c, ni)
	how := "read through the DC"
	if local {
		how = "this node's copy"
	}
	src := fmt.Sprintf("live CIB %d.%d.%d (%s, on %s)", v.AdminEpoch, v.Epoch, v.NumUpdates, how, ni.Name)
	return &schedCIB{CIB: c, Source: src, Live: true, Now: time.Now().UTC()}, nil
}

// liveSchedulerInput completes a live CIB as the DC does before it
// schedules (crm/coordinator's schedulerInput): every node that hosts
// resources is in <nodes> even before anything was configured on it,
// quorum is this partition's, and dc-uuid names the DC.
func liveSchedulerInput(c *cib.CIB, ni control.NodeInfo) {
	for _, m := range ni.Members {
		if m.Witness {
			continue
		}
		found := false
		for _, cn := range c.Configuration.Nodes {
			if cn.Uname == m.Name || (cn.Uname == "" && cn.ID == m.Name) {
				found = true
			}
		}
		if !found {
			c.Configuration.Nodes = append(c.Configuration.Nodes, cib.Node{ID: strconv.FormatUint(m.ID, 10), Uname: m.Name})
		}
	}
	c.HaveQuorum = "0"
	if ni.Quorum {
		c.HaveQuorum = "1"
	}
	if ni.DC != "" {
		c.DCUUID = strconv.FormatUint(ni.DCID, 10)
		for _, cn := range c.Configuration.Nodes {
			if cn.Uname == ni.DC {
				c.DCUUID = cn.ID
			}
		}
	}
}

// schedFileFlag is -x/--xml-file of the scheduling commands.
func schedFileFlag(usage string) cli.Flag {
	return &cli.StringFlag{Name: "xml-file", Aliases: []string{"x"}, Usage: usage}
}

// schedFile is -x, else the global --cib-file / $CIB_file.
func schedFile(c *cli.Context) string {
	if p := c.String("xml-file"); p != "" {
		return p
	}
	return offlinePath(c)
}

// readCIBString reads a CIB held in memory.
func readCIBString(xml string) (*cib.CIB, error) {
	return cibxml.Read(strings.NewReader(xml), "CIB")
}
