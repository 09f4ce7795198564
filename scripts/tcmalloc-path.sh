#!/usr/bin/env bash
# Prints where tcmalloc (the image's native allocator, Debian's libtcmalloc-minimal4) is installed, or nothing:
# scripts that start a gate preload it, as the image does (LD_PRELOAD="$(scripts/tcmalloc-path.sh)"). The same
# directories, in the same order, as NativeAllocator.Installed, which the tests' gates use (NativeAllocatorTests checks it).
for d in /usr/lib/x86_64-linux-gnu /usr/lib/aarch64-linux-gnu /usr/lib64 /usr/lib /usr/local/lib; do
  if [ -f "$d/libtcmalloc_minimal.so.4" ]; then echo "$d/libtcmalloc_minimal.so.4"; exit 0; fi
done
