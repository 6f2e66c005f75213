"""The assistant's processes on this machine, for `make run`, `make run-prod`, the benchmark
and the tests: `stack` starts one Rasa instance with its action server and the staff
console; `cluster` starts one instance per core over PostgreSQL and Redis; `prod` renders
the nginx balancer in front of two instances (the production layout). The command-line entry
points are in scripts/."""
