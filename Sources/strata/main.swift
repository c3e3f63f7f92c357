import StrataCLI

StrataTool.main()
