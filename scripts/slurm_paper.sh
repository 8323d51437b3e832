#!/usr/bin/env bash
# Run the `paper` (or any) profile as a SLURM job array, one papermill run per shard, then one merge.
#
#   sbatch --array=0-7 scripts/slurm_paper.sh            # 8 shards of every notebook
#   sbatch --dependency=afterok:<array job id> --export=ALL,MERGE=1 scripts/slurm_paper.sh
#
# Each shard appends its per-sample results to its own file under data/results/<profile>/ (shared
# storage) and writes its partial notebooks and figures to build/shards/<k>/ (thrown away). The merge
# run computes nothing a shard stored and writes figures/<profile>/ and the executed notebooks.
#SBATCH --job-name=sparsefool-paper
#SBATCH --gres=gpu:1
#SBATCH --cpus-per-task=8
#SBATCH --time=12:00:00
#SBATCH --output=build/slurm-%A_%a.log
set -euo pipefail
cd "${SLURM_SUBMIT_DIR:-$(dirname "$0")/..}"
PROFILE="${PROFILE:-paper}"
NOTEBOOKS="${NOTEBOOKS:-01 02 03 04 05 06}"
if [ -n "${MERGE:-}" ]; then
  exec .venv/bin/python -m sfutils.runner --profile "$PROFILE" --only $NOTEBOOKS
fi
K="${SLURM_ARRAY_TASK_ID:?run as a job array (sbatch --array=0-N) or set SLURM_ARRAY_TASK_ID}"
N="${SLURM_ARRAY_TASK_COUNT:?SLURM_ARRAY_TASK_COUNT is unset}"
exec .venv/bin/python -m sfutils.runner --profile "$PROFILE" --only $NOTEBOOKS \
  --shard "$K" --num-shards "$N" --output-dir "build/shards/$K"
