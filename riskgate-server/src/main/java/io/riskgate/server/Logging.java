package io.riskgate.server;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import org.slf4j.LoggerFactory;
import org.slf4j.bridge.SLF4JBridgeHandler;

/** Sets the log level (the Kafka clients' at warn unless debugging) and routes java.util.logging (used by the HTTP server) through SLF4J. */
final class Logging {
  private Logging() {}

  static void configure(String level) {
    if (!SLF4JBridgeHandler.isInstalled()) {
      SLF4JBridgeHandler.removeHandlersForRootLogger();
      SLF4JBridgeHandler.install();
    }
    if (LoggerFactory.getILoggerFactory() instanceof LoggerContext ctx) {
      Level root = Level.toLevel(level, Level.INFO);
      ctx.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).setLevel(root);
      // the Kafka clients log every connection and configuration at info: warnings only, unless debugging
      ctx.getLogger("org.apache.kafka").setLevel(root.isGreaterOrEqual(Level.WARN) || root.levelInt <= Level.DEBUG_INT ? root : Level.WARN);
    }
  }
}
