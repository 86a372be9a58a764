// swift-tools-version:6.1
// The Hexabase control plane: one package, one library + one thin executable per service,
// shared modules under Shared/. See docs/architecture.md and ../shared/DESIGN.md.
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
]

let package = Package(
    name: "hexabase",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "hxb-auth", targets: ["hxb-auth"]),
        .executable(name: "hxb-edge", targets: ["hxb-edge"]),
        .executable(name: "hxb-workspace", targets: ["hxb-workspace"]),
        .executable(name: "hxb-logging", targets: ["hxb-logging"]),
        .executable(name: "hxb-bench", targets: ["hxb-bench"]),
        .library(name: "ServiceKit", targets: ["ServiceKit"]),
        .library(name: "Store", targets: ["Store"]),
        .library(name: "AuthKit", targets: ["AuthKit"]),
        .library(name: "Contracts", targets: ["Contracts"]),
        .library(name: "Mail", targets: ["Mail"]),
        .library(name: "HTTPClientKit", targets: ["HTTPClientKit"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-protobuf", from: "1.39.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(
            url: "https://github.com/apple/swift-configuration",
            from: "1.4.0",
            traits: [.defaults, "CommandLineArguments"]
        ),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/vapor/jwt-kit", from: "5.8.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
    ],
    targets: [
        // MARK: C libraries (Debian packages, found through pkg-config)
        .systemLibrary(
            name: "CNATS", path: "Shared/CNATS", pkgConfig: "libnats",
            providers: [.apt(["libnats-dev"])]
        ),
        .systemLibrary(
            name: "CLibPQ", path: "Shared/CLibPQ", pkgConfig: "libpq",
            providers: [.apt(["libpq-dev"])]
        ),
        .systemLibrary(
            name: "CArgon2", path: "Shared/CArgon2", pkgConfig: "libargon2",
            providers: [.apt(["libargon2-dev"])]
        ),
        .systemLibrary(
            name: "CCurl", path: "Shared/CCurl", pkgConfig: "libcurl",
            providers: [.apt(["libcurl4-openssl-dev"])]
        ),
        .systemLibrary(
            name: "CZlib", path: "Shared/CZlib", pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"])]
        ),

        // MARK: Shared modules
        .target(
            name: "CurlSupport",
            dependencies: ["CCurl"],
            path: "Shared/CurlSupport",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "HTTPClientKit",
            dependencies: ["CCurl", "CurlSupport"],
            path: "Shared/HTTPClientKit",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Contracts",
            dependencies: [.product(name: "SwiftProtobuf", package: "swift-protobuf")],
            path: "Shared/Contracts",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "ServiceKit",
            dependencies: [
                "CNATS", "Contracts",
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "Hummingbird", package: "hummingbird"),
            ],
            path: "Shared/ServiceKit",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Store",
            dependencies: [
                "CLibPQ",
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Shared/Store",
            swiftSettings: swiftSettings,
            plugins: []
        ),
        .target(
            name: "Mail",
            dependencies: [
                "CCurl", "CurlSupport",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Configuration", package: "swift-configuration"),
            ],
            path: "Shared/Mail",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "ServiceStore",
            dependencies: [
                "ServiceKit", "Store",
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Shared/ServiceStore",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "AuthKit",
            dependencies: [
                "ServiceKit", "Contracts",
                .product(name: "JWTKit", package: "jwt-kit"),
            ],
            path: "Shared/AuthKit",
            swiftSettings: swiftSettings
        ),

        // MARK: Services
        .target(
            name: "AuthService",
            dependencies: [
                "ServiceKit", "Store", "ServiceStore", "AuthKit", "Contracts", "CArgon2", "HTTPClientKit", "Mail",
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
            ],
            path: "Services/auth/Sources/AuthService",
            swiftSettings: swiftSettings,
            plugins: ["EmbedSQL"]
        ),
        .executableTarget(
            name: "hxb-auth",
            dependencies: ["AuthService", "ServiceKit"],
            path: "Services/auth/Sources/hxb-auth",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "WorkspaceService",
            dependencies: [
                "ServiceKit", "Store", "ServiceStore", "AuthKit", "Contracts", "HTTPClientKit", "Mail",
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            path: "Services/workspace/Sources/WorkspaceService",
            swiftSettings: swiftSettings,
            plugins: ["EmbedSQL"]
        ),
        .executableTarget(
            name: "hxb-workspace",
            dependencies: ["WorkspaceService", "ServiceKit"],
            path: "Services/workspace/Sources/hxb-workspace",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "LoggingService",
            dependencies: [
                "ServiceKit", "Store", "ServiceStore", "AuthKit", "Contracts", "HTTPClientKit",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Services/logging/Sources/LoggingService",
            swiftSettings: swiftSettings,
            plugins: ["EmbedSQL"]
        ),
        .executableTarget(
            name: "hxb-logging",
            dependencies: ["LoggingService", "ServiceKit"],
            path: "Services/logging/Sources/hxb-logging",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "EdgeService",
            dependencies: [
                "ServiceKit", "AuthKit", "Contracts", "CZlib",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ],
            path: "Services/edge/Sources/EdgeService",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "hxb-edge",
            dependencies: ["EdgeService", "ServiceKit"],
            path: "Services/edge/Sources/hxb-edge",
            swiftSettings: swiftSettings
        ),

        // MARK: Build tools
        .executableTarget(name: "embed-sql", path: "Tools/embed-sql", swiftSettings: swiftSettings),
        .plugin(name: "EmbedSQL", capability: .buildTool(), dependencies: ["embed-sql"], path: "Plugins/EmbedSQL"),

        // MARK: Benchmarks
        .executableTarget(
            name: "hxb-bench",
            dependencies: [
                "ServiceKit", "Contracts", "Store", "AuthService", "AuthKit", "LoggingService",
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Benchmarks/hxb-bench",
            swiftSettings: swiftSettings
        ),

        // MARK: Tests
        .target(
            name: "TestSupport",
            dependencies: ["ServiceKit", "Store", "HTTPClientKit", "Contracts", .product(name: "Logging", package: "swift-log"), .product(name: "SwiftProtobuf", package: "swift-protobuf")],
            path: "Tests/TestSupport",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ServiceKitTests",
            dependencies: ["ServiceKit", "Contracts", "TestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ServiceStoreTests",
            dependencies: ["ServiceStore", "ServiceKit", "Store", "Contracts", "TestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "StoreTests",
            dependencies: ["Store", "TestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "AuthKitTests",
            dependencies: [
                "AuthKit", "ServiceKit", "Contracts", "TestSupport",
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "MailTests",
            dependencies: [
                "Mail", "CCurl", "TestSupport",
                .product(name: "Configuration", package: "swift-configuration"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "AuthServiceTests",
            dependencies: [
                "AuthService", "AuthKit", "TestSupport", "HTTPClientKit",
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "HTTPClientKitTests",
            dependencies: ["HTTPClientKit", "TestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "WorkspaceServiceTests",
            dependencies: ["WorkspaceService", "AuthService", "AuthKit", "TestSupport", "HTTPClientKit"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "LoggingServiceTests",
            dependencies: ["LoggingService", "WorkspaceService", "AuthService", "AuthKit", "TestSupport", "HTTPClientKit", "ServiceStore"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "EdgeTests",
            dependencies: [
                "EdgeService", "AuthService", "TestSupport",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ],
            swiftSettings: swiftSettings
        ),
    ]
)
