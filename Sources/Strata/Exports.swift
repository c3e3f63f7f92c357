// The umbrella module: `import Strata` brings in every public module.
@_exported import StrataCore
@_exported import StrataNN
@_exported import StrataOptim
@_exported import StrataData
@_exported import StrataTrain
@_exported import StrataModels
@_exported import StrataIO
@_exported import StrataRecommend
@_exported import StrataDistributed
