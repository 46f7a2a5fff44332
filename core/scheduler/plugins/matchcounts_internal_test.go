package plugins

import (
	"fmt"
	"testing"
)

// TestMatchMemosStayBounded: a stream of new selectors (one per Job)
// keeps at most maxMatchMemos memos, and one in constant use survives.
func TestMatchMemosStayBounded(t *testing.T) {
	var m matchCounts
	for i := range 10 * maxMatchMemos {
		m.forKey("hot", 100)["n1"] = genCount{gen: 1, count: 7}
		m.forKey(fmt.Sprint("job-", i), 100)
		if len(m.bySel) > maxMatchMemos {
			t.Fatalf("%d memos after %d selectors, want at most %d", len(m.bySel), i+1, maxMatchMemos)
		}
	}
	if got := m.forKey("hot", 100)["n1"]; got.count != 7 {
		t.Fatalf("the memo in constant use was dropped: %+v", got)
	}
}
