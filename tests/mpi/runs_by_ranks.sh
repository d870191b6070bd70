# Sourced by the rank tests: run_by_ranks NEUROJIT MODEL WORK runs MODEL as one process into
# WORK/1 and as 2 and 3 MPI ranks into WORK/2 and WORK/3.
run_by_ranks() {
  local neurojit=$1 model=$2 work=$3 ranks
  "$neurojit" run "$model" --out "$work/1" --progress 0 >/dev/null
  for ranks in 2 3; do
    mpirun --oversubscribe --allow-run-as-root -np "$ranks" "$neurojit" run "$model" \
      --out "$work/$ranks" --progress 0 >/dev/null
  done
}
