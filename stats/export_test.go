package stats

// CompareConnsForTest is compareConns, for the external tests.
var CompareConnsForTest = compareConns
