# A wrong submission for labs/MOD-DOCKER-04/volume-persistence.yaml: the lab's "default network"
# mistake. db-writer is started without --network, so it joins the default bridge and the
# write-ledger step fails on its `attached` check; the rest is the reference solution.
# bench/ratios.sh times it against the correct one (bench/submissions/volume-persistence.sh).
docker network create isolated-net
docker volume create persistent-store
docker run -d --name db-writer \
  --mount type=volume,source=persistent-store,target=/app/data \
  alpine:latest /bin/sh -c "echo 'CRITICAL_DATABASE_TRANSACTION_99' > /app/data/ledger.txt && sleep 3600"
docker exec db-writer cat /app/data/ledger.txt
docker rm -f db-writer
docker run --name ledger-reader --mount type=volume,source=persistent-store,target=/app/data alpine:latest cat /app/data/ledger.txt
