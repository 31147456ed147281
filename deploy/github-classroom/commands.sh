# Your docker commands for the lab, one per line, as you would type them.
# Example:
# docker volume create persistent-store
