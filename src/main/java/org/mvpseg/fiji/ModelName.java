package org.mvpseg.fiji;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/** Marks a command field that names a registry model: its choices are the registry's names. */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.FIELD)
@interface ModelName {}
