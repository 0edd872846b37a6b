package db

// CrashAfterStepEffectForTest makes RunFulfilment stop, as a killed process
// would, after a step changed the data and before the step was recorded.
func (s *Store) CrashAfterStepEffectForTest(f func(step int) error) { s.hooks.afterStepEffect = f }

// RaceStepForTest runs f after a document step read its records and before
// it writes them, as a product writing to the same records would.
func (s *Store) RaceStepForTest(f func(step int) error) { s.hooks.betweenReadAndWrite = f }

// WriteRecordsByFilterForTest makes product writes filter on the whole
// record as read, as they do on MongoDB, on the embedded server too.
func (s *Store) WriteRecordsByFilterForTest() { s.hooks.casByFilter = true }
