package job

import "testing"

func TestIndexSetRoundTrip(t *testing.T) {
	for in, want := range map[string]string{"": "", "0": "0", "0,1,2,5": "0-2,5", "5,0-1,2,9-10": "0-2,5,9-10",
		"3,1": "1,3", "0-2,1": "0-2", "x,2": "2"} {
		if got := parseIndexes(in).String(); got != want {
			t.Errorf("parse(%q) = %q, want %q", in, got, want)
		}
	}
	s := parseIndexes("0-2,5")
	if s.len() != 4 || !s.has(5) || s.has(3) {
		t.Fatalf("set %v: len %d", s, s.len())
	}
	if got := s.add(4).add(3).String(); got != "0-5" {
		t.Fatalf("add 4,3 = %q, want 0-5", got)
	}
}
