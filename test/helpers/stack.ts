import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { buildApp } from '../../infra/app.ts';

/** The minimal configuration; tests add what they exercise. */
export const BASE_CONFIG = { tenantUrl: 'https://example.goskope.com' };

/**
 * The stack synthesized from `config`. The functions' code is the prebuilt bundles (the run's
 * global setup builds them); unless `bundle` is set, they are referenced where they are instead of
 * copied into the assembly (the bundles are tested on their own), so template assertions stay fast.
 */
export function synthesize(
  config: Record<string, unknown> = {},
  options: { bundle?: boolean; outdir?: string } = {},
) {
  const app = new App({
    context: {
      'dspm-bridge': { ...BASE_CONFIG, ...config },
      ...(options.bundle ? {} : { 'aws:cdk:bundling-stacks': [], 'aws:cdk:disable-asset-staging': true }),
    },
    ...(options.outdir ? { outdir: options.outdir } : {}),
  });
  const { stack, bridge } = buildApp(app);
  const assembly = app.synth();
  return { app, stack, bridge, assembly, template: Template.fromStack(stack) };
}
