package main

// pathScenarios are the scenarios about paths to targets (loss, latency,
// rate limits, unreachables), run by TestIntegrationDiagnoseScenarios with
// the host scenarios.
func pathScenarios() []scenario { return nil }
