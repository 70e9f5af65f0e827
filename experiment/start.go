package experiment

import (
	"context"
	"fmt"
	"time"

	"github.com/reusebench/reusebench/results"
)

// synchronize builds and warms up every profile's fleet, asks pl.Start when
// the measured window starts, and waits for that instant. It returns the
// segment's record for the results file.
func (pl *Plan) synchronize(ctx, wind context.Context, runs []*profileRun) (*results.Segment, error) {
	for i := range runs {
		r, err := pl.start(ctx, wind, i, runs)
		if err != nil {
			return nil, err
		}
		runs[i] = r
	}
	at, id, err := pl.Start(ctx)
	if err != nil {
		return nil, fmt.Errorf("synchronized start: %w", err)
	}
	t := time.NewTimer(time.Until(at))
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
	return &results.Segment{Index: pl.Segment.Index, Count: max(pl.Segment.Count, 1), RunID: id,
		StartAt: at.UTC(), Started: time.Now().UTC()}, nil
}
