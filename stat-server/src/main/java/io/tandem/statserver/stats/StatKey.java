package io.tandem.statserver.stats;

import io.tandem.config.v1.ObjectType;

/** The object a statistic is about. */
record StatKey(ObjectType type, String name) {}
