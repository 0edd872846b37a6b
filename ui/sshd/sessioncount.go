package sshd

import (
	"context"
	"fmt"
	"os"
	"time"
)

// sessionReportTimeout bounds one report of the open-session count: it is
// best effort, and a session must not wait long on it.
const sessionReportTimeout = 2 * time.Second

// reporterName names this serve process in the health report's session
// counts: host and process id, so two serves on one machine stay apart.
func reporterName() string {
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "localhost"
	}
	return fmt.Sprintf("%s:%d", host, os.Getpid())
}

// reportSessions records how many sessions are open now for the health
// view (db.Store.RecordSessions). Reports are serialised and each reads
// the count when it writes, so the last one written is the current count.
// After Shutdown withdrew the report, nothing is written again.
func (s *Server) reportSessions() {
	s.reportMu.Lock()
	defer s.reportMu.Unlock()
	if s.reportDone {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), sessionReportTimeout)
	defer cancel()
	if err := s.cfg.Store.RecordSessions(ctx, s.reportName, s.Sessions()); err != nil {
		s.log.Warn("session count for the health view not recorded", "err", err)
	}
}

// withdrawSessions removes this process's report at shutdown: a serve that
// stopped has no sessions, and its stale count must not linger.
func (s *Server) withdrawSessions(ctx context.Context) {
	s.reportMu.Lock()
	defer s.reportMu.Unlock()
	s.reportDone = true
	if err := s.cfg.Store.RecordSessions(ctx, s.reportName, -1); err != nil {
		s.log.Warn("session count for the health view not withdrawn", "err", err)
	}
}
