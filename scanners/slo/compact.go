package slo

import (
	"cmp"

	"github.com/relgate/relgate/config"
)

// Compact turns the objectives of .relgate.yaml (slo.objectives) into
// objectives to measure. The config has checked their shape; counters
// are the compact form's default, so good, bad and total are selectors
// unless they place {{.window}} themselves.
func Compact(defs []config.SLOObjective) []Objective {
	out := make([]Objective, 0, len(defs))
	for _, d := range defs {
		o := Objective{
			Name: d.Name, Service: d.Service, Target: d.Target, Window: d.Window,
			Counter: true, Good: d.Good, Bad: d.Bad, Total: d.Total,
			Query: d.Query, Op: d.Op, SliceWindow: d.SliceWindow,
		}
		o.Kind = KindRatio
		if d.Query != "" {
			o.Kind = KindThreshold
			o.SliceWindow = cmp.Or(o.SliceWindow, DefaultSliceWindow)
		}
		if d.Threshold != nil {
			o.Threshold = *d.Threshold
		}
		if br := d.BurnRate; br != nil {
			o.ShortWindow, o.LongWindow, o.AlertBurnRate = br.Short, br.Long, br.Threshold
		}
		if v := d.Verify; v != nil {
			o.MaxErrorRate, o.MaxValue = v.MaxErrorRate, v.MaxValue
		}
		out = append(out, o)
	}
	return out
}
