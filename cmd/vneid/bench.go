package main

import (
	"context"
	"flag"
	"fmt"
	"io"
)

func cmdBench(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fmt.Fprintln(stderr, "usage: vneid bench lookup|login|argon2 [flags]")
	return flag.ErrHelp
}
