"""`make run-prod`: the production layout on this machine (devstack/prod.py)."""

from devstack.prod import main

if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        print("\nArrêt.")
