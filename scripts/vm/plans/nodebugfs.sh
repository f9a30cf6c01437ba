# shellcheck shell=sh
# make check, inside a VM booted with debugfs=off: the module without its
# debugfs files (userspace/tests/nodebugfs.sh loads it itself).
smm_tap nodebugfs /tests/nodebugfs.sh
