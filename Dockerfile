# Image for the k8s manifests (k8s/): the packaged CLI on a JDK 25 runtime.
# Build the jar first (./mvnw -DskipTests package), then: docker build -t crucible:0.1.0 .
FROM eclipse-temurin:25-jre
WORKDIR /opt/crucible
COPY serving/target/crucible.jar /opt/crucible/crucible.jar
# DJL unpacks the bundled libtorch here on first use; keep it inside the image's writable layer.
ENV DJL_CACHE_DIR=/tmp/djl \
    JAVA_OPTS=""
EXPOSE 8080 7355 7626
ENTRYPOINT ["sh", "-c", "exec java --add-modules=jdk.incubator.vector --enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow -Dai.djl.offline=true $JAVA_OPTS -jar /opt/crucible/crucible.jar \"$@\"", "crucible"]
