package framework_test

import "github.com/kubetwin/kubetwin/core/api/resource"

func mustQ(s string) resource.Quantity { return resource.MustParse(s) }
