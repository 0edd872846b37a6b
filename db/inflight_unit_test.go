package db

import (
	"context"
	"errors"
	"runtime"
	"testing"
)

// WritesStoppedForTest reports whether StopWrites has been called, so a test
// can tell "stop began" from "stop returned".
func (s *Store) WritesStoppedForTest() bool {
	s.inflight.mu.Lock()
	defer s.inflight.mu.Unlock()
	return s.inflight.stopped
}

// waitStopping spins until stop has marked f stopped; stop does so before
// it blocks.
func waitStopping(f *inflight) {
	for {
		f.mu.Lock()
		stopped := f.stopped
		f.mu.Unlock()
		if stopped {
			return
		}
		runtime.Gosched()
	}
}

func TestInflightStopWaitsForWritesBegunAndRefusesNewOnes(t *testing.T) {
	var f inflight
	wctx, leave, err := f.enter(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	stopped := make(chan error, 1)
	go func() { stopped <- f.stop(context.Background()) }()
	waitStopping(&f)

	if _, _, err := f.enter(context.Background()); !errors.Is(err, ErrShuttingDown) {
		t.Errorf("a write after stop began got %v, want ErrShuttingDown", err)
	}
	// A write inside the one running (Apply's commit, a step's record)
	// must pass, or stop would cut apart what it waits for.
	_, innerLeave, err := f.enter(wctx)
	if err != nil {
		t.Fatalf("a write inside a counted one was refused: %v", err)
	}
	innerLeave()
	select {
	case err := <-stopped:
		t.Fatalf("stop returned (%v) while a write was still running", err)
	default:
	}
	leave()
	leave() // a second call must not count the write out twice
	if err := <-stopped; err != nil {
		t.Fatal(err)
	}
	f.mu.Lock()
	n := f.n
	f.mu.Unlock()
	if n != 0 {
		t.Errorf("%d writes counted after every one left", n)
	}
	if err := f.stop(context.Background()); err != nil {
		t.Errorf("a second stop with nothing running: %v", err)
	}
}

func TestInflightStopGivesUpWhenItsContextEnds(t *testing.T) {
	var f inflight
	if _, _, err := f.enter(context.Background()); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := f.stop(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("stop with a write stuck and its context ended: %v, want context.Canceled", err)
	}
}

func TestInflightContextOfAnotherStoreIsNotInside(t *testing.T) {
	var mine, other inflight
	octx, _, err := other.enter(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if err := mine.stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, _, err := mine.enter(octx); !errors.Is(err, ErrShuttingDown) {
		t.Errorf("a write counted by another store passed a stopped one: %v", err)
	}
}
