package db

// CrashAfterStepEffectForTest makes RunFulfilment stop, as a killed process
// would, after a step changed the data and before the step was recorded.
func (s *Store) CrashAfterStepEffectForTest(f func(step int) error) { s.hooks.afterStepEffect = f }
