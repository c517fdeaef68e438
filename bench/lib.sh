# Shared by the bench scripts (sourced): timing helpers.
# Both tools of a comparison run the same way: "ip netns exec NS CMD", output
# discarded; each run's wall time in microseconds goes to a file.

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

# timeit OUT CMD...: run CMD $RUNS times in namespace $NS, one time per line.
timeit() {
	local out=$1; shift
	for _ in $(seq "$RUNS"); do
		local t0 t1
		t0=$(date +%s%N)
		ip netns exec "$NS" "$@" > /dev/null
		t1=$(date +%s%N)
		echo $(((t1 - t0) / 1000))
	done > "$out"
}
