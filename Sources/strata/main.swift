import StrataCLI

StrataTool.runFinalizingMPI()
