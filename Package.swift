// swift-tools-version:6.0
import PackageDescription

// Build through the Makefile (`make build`, `make test`): it runs scripts/bootstrap, which installs
// llama.cpp into .deps/llama and points PKG_CONFIG_PATH at it.
let package = Package(
    name: "RoboBridge",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "robobridge", targets: ["robobridge"]),
        .library(name: "RoboBridgeEngine", targets: ["RoboBridgeEngine"]),
        .library(name: "RoboBridgeConfig", targets: ["RoboBridgeConfig"]),
        .library(name: "RoboBridgeMessaging", targets: ["RoboBridgeMessaging"]),
        .library(name: "RoboBridgeProtocol", targets: ["RoboBridgeProtocol"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.6.0"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", from: "0.2.0"),
    ],
    targets: [
        // C libraries, behind system-library targets found by pkg-config.
        .systemLibrary(name: "CLlama", pkgConfig: "robobridge-llama"),
        .systemLibrary(
            name: "CZeroMQ", pkgConfig: "libzmq",
            providers: [.apt(["libzmq3-dev"])]),

        // Embedded inference: a Swift API over libllama.
        .target(
            name: "RoboBridgeEngine",
            dependencies: [
                "CLlama",
                .product(name: "Logging", package: "swift-log"),
            ]),

        // Plain-C reference loops on libzmq, measured beside the Swift wrapper by `robobridge bench zmq`.
        .target(name: "CZeroMQBench", dependencies: ["CZeroMQ"]),

        // The wire protocol: topics, envelopes, messages, JSON; no C, no sockets.
        .target(name: "RoboBridgeProtocol"),

        // ZeroMQ sockets, endpoints, poller, socket-owning workers and the fleet broker.
        .target(
            name: "RoboBridgeMessaging",
            dependencies: [
                "CZeroMQ",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]),

        // The real-time node: commands and sensors in, actions and events out, request/reply; plans
        // validated against the robot file before they go out; telemetry.
        .target(
            name: "RoboBridgeNode",
            dependencies: [
                "RoboBridgeProtocol", "RoboBridgeMessaging", "RoboBridgeConfig",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
            ]),

        // The onboard bridge: the translator as the node's planner, on a model thread of its own.
        .target(
            name: "RoboBridgeServe",
            dependencies: [
                "RoboBridgeNode", "RoboBridgeTranslation", "RoboBridgeDecoding", "RoboBridgeEngine", "RoboBridgeConfig", "RoboBridgeProtocol",
                .product(name: "Logging", package: "swift-log"),
            ]),

        // The bundled simulator: kinematics, path planning, battery, watchdog; plays a robot over the protocol.
        .target(
            name: "RoboBridgeSim",
            dependencies: [
                "RoboBridgeConfig", "RoboBridgeProtocol", "RoboBridgeMessaging",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]),

        // Missions: the simulator and the bridge together, steps played and checked, reports and maps.
        .target(
            name: "RoboBridgeMission",
            dependencies: [
                "RoboBridgeSim", "RoboBridgeServe", "RoboBridgeNode", "RoboBridgeMessaging", "RoboBridgeProtocol", "RoboBridgeConfig",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]),

        // Robots, worlds and missions from YAML, with precise errors.
        .target(
            name: "RoboBridgeConfig",
            dependencies: [.product(name: "Yams", package: "Yams")]),

        // Schema-constrained decoding: plan grammar and syntax, token-trie masks, the constrained decoder,
        // lossless speculation and its model drafter. Knows plans, not instructions.
        .target(
            name: "RoboBridgeDecoding",
            dependencies: ["RoboBridgeConfig", "RoboBridgeEngine", "RoboBridgeProtocol"]),

        // Instruction → plan: normalizer, prompt, example bank, lexicon, refusals, tool sets, the translator
        // over the constrained decoder, and the evaluation (corpora, BFCL).
        .target(
            name: "RoboBridgeTranslation",
            dependencies: ["RoboBridgeDecoding", "RoboBridgeConfig", "RoboBridgeEngine", "RoboBridgeProtocol"]),

        // Fuzzing: the parsers that read other programs' and people's input, and a mutation fuzzer over them.
        .target(
            name: "RoboBridgeFuzz",
            dependencies: ["RoboBridgeConfig", "RoboBridgeDecoding", "RoboBridgeProtocol", "RoboBridgeTranslation", "RoboBridgeEngine"]),

        // The command-line tool: parses arguments, calls the libraries.
        .executableTarget(
            name: "robobridge",
            dependencies: [
                "RoboBridgeEngine",
                "RoboBridgeConfig",
                "RoboBridgeMessaging",
                "RoboBridgeDecoding",
                "RoboBridgeTranslation",
                "RoboBridgeProtocol",
                "RoboBridgeNode",
                "RoboBridgeServe",
                "RoboBridgeSim",
                "RoboBridgeMission",
                "RoboBridgeFuzz",
                "CZeroMQBench",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ]),

        .testTarget(name: "RoboBridgeEngineTests", dependencies: ["RoboBridgeEngine"]),
        .testTarget(name: "RoboBridgeConfigTests", dependencies: ["RoboBridgeConfig"]),
        .testTarget(name: "RoboBridgeDecodingTests", dependencies: ["RoboBridgeDecoding", "RoboBridgeConfig", "RoboBridgeEngine", "RoboBridgeProtocol"]),
        .testTarget(
            name: "RoboBridgeTranslationTests",
            dependencies: ["RoboBridgeTranslation", "RoboBridgeDecoding", "RoboBridgeConfig", "RoboBridgeEngine", "RoboBridgeProtocol"]),
        .testTarget(
            name: "RoboBridgeServeTests",
            dependencies: [
                "RoboBridgeServe", "RoboBridgeNode", "RoboBridgeMessaging", "RoboBridgeProtocol", "RoboBridgeConfig",
                "RoboBridgeTranslation", "RoboBridgeDecoding", "RoboBridgeEngine", "RoboBridgeSim",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]),
        .testTarget(name: "RoboBridgeFuzzTests", dependencies: ["RoboBridgeFuzz"]),
        .testTarget(name: "RoboBridgeSimTests", dependencies: ["RoboBridgeSim", "RoboBridgeConfig", "RoboBridgeProtocol", "RoboBridgeMessaging"]),
        .testTarget(
            name: "RoboBridgeMissionTests",
            dependencies: ["RoboBridgeMission", "RoboBridgeSim", "RoboBridgeConfig", "RoboBridgeProtocol", "RoboBridgeMessaging"]),
        .testTarget(
            name: "RoboBridgeMessagingTests",
            dependencies: [
                "RoboBridgeMessaging", "RoboBridgeProtocol", "RoboBridgeNode", "RoboBridgeConfig",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]),
    ]
)
