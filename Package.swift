// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "Strata",
    platforms: [.macOS(.v14)],
    // MARK: - Public products
    products: [
        .library(name: "Strata", targets: ["Strata"]),
        .executable(name: "strata", targets: ["strata"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.0.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.0.0"),
    ],
    targets: [
        // MARK: - Implementation
        .systemLibrary(name: "CZlib", path: "Sources/CZlib"),
        .target(name: "CStrataKernels"),
        .target(name: "StrataCore", dependencies: ["CStrataKernels"]),
        .target(name: "StrataIO", dependencies: ["StrataCore"]),
        .target(name: "StrataNN", dependencies: ["StrataCore"]),
        .target(name: "StrataOptim", dependencies: ["StrataCore"]),
        .target(name: "StrataData", dependencies: ["StrataCore", "StrataIO", "CZlib"]),
        .target(name: "StrataDistributed", dependencies: ["StrataCore", "StrataNN"]),
        .target(name: "StrataTrain", dependencies: ["StrataCore", "StrataNN", "StrataOptim", "StrataData", "StrataIO", "StrataDistributed"]),
        .target(name: "StrataModels", dependencies: ["CStrataKernels", "StrataCore", "StrataNN", "StrataData", "StrataIO"]),
        .target(name: "StrataRecommend", dependencies: ["StrataCore", "StrataNN", "StrataOptim", "StrataIO", "StrataData", "StrataTrain", "StrataDistributed"]),
        .target(name: "Strata", dependencies: [
            "StrataCore", "StrataNN", "StrataOptim", "StrataData", "StrataTrain", "StrataModels", "StrataIO",
            "StrataRecommend", "StrataDistributed",
        ]),
        .target(name: "StrataServe", dependencies: [
            "Strata", .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ]),
        .target(name: "StrataCLI", dependencies: [
            "Strata", "StrataServe", .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        // The Swift runtime and Foundation are linked into `strata`, as `--static-swift-stdlib`
        // does (the static Foundation needs its four support libraries named): the binary runs
        // without a Swift toolchain and maps less of shared libraries at run time (SmolLM2
        // generation peaks at 1.26x the GGUF file instead of 1.31x). No test target depends on
        // `strata`, so that these flags stay out of the test bundle; `swift test` builds it anyway.
        .executableTarget(name: "strata", dependencies: ["StrataCLI"],
                          linkerSettings: [.unsafeFlags(["-static-stdlib", "-lCoreFoundation", "-l_FoundationICU",
                                                         "-l_FoundationCollections", "-l_FoundationCShims"],
                                                        .when(platforms: [.linux]))]),
        .target(name: "_StrataTestSupport", dependencies: ["StrataCore", "StrataIO"]),

        // MARK: - Tests
        .testTarget(name: "StrataCoreTests", dependencies: ["StrataCore", "_StrataTestSupport"],
                    resources: [.copy("Fixtures")]),
        .testTarget(name: "StrataIOTests", dependencies: ["StrataIO", "_StrataTestSupport"], resources: [.copy("Fixtures")]),
        .testTarget(name: "StrataNNTests", dependencies: ["StrataNN", "StrataModels", "_StrataTestSupport"],
                    resources: [.copy("Fixtures")]),
        .testTarget(name: "StrataOptimTests", dependencies: ["StrataOptim", "StrataCore", "_StrataTestSupport"],
                    resources: [.copy("Fixtures")]),
        .testTarget(name: "StrataDataTests", dependencies: ["StrataData", "StrataCore", "_StrataTestSupport"]),
        .testTarget(name: "StrataTests", dependencies: ["Strata", "_StrataTestSupport"]),
        .testTarget(name: "StrataDistributedTests", dependencies: ["StrataDistributed", "StrataCore", "StrataNN", "StrataModels"]),
        .testTarget(name: "StrataTrainTests", dependencies: ["Strata", "_StrataTestSupport"]),
        .testTarget(name: "StrataRecommendTests", dependencies: ["StrataRecommend", "StrataTrain", "_StrataTestSupport"]),
        .testTarget(name: "StrataCLITests"),
        .testTarget(name: "StrataServeTests", dependencies: [
            "StrataServe", "Strata", .product(name: "Hummingbird", package: "hummingbird"),
        ]),
        .testTarget(name: "StrataModelsTests", dependencies: ["StrataModels", "StrataIO", "StrataData", "_StrataTestSupport"],
                    resources: [.copy("Fixtures")]),
    ],
    swiftLanguageModes: [.v6]
)
