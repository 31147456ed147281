# A correct submission for labs/MOD-DOCKER-04/volume-persistence.yaml: the reference solution,
# as a student would hand it in. bench/grade-throughput.sh replays it.
docker network create isolated-net
docker volume create persistent-store
docker run -d --name db-writer --network=isolated-net \
  --mount type=volume,source=persistent-store,target=/app/data \
  alpine:latest /bin/sh -c "echo 'CRITICAL_DATABASE_TRANSACTION_99' > /app/data/ledger.txt && sleep 3600"
docker exec db-writer cat /app/data/ledger.txt
docker rm -f db-writer
docker run --name ledger-reader --mount type=volume,source=persistent-store,target=/app/data alpine:latest cat /app/data/ledger.txt
