import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { buildApp } from '../../infra/app.ts';

/** The minimal configuration; tests add what they exercise. */
export const BASE_CONFIG = { tenantUrl: 'https://example.goskope.com' };

/**
 * The stack synthesized from `config`, without bundling the functions (the bundle is tested once,
 * on its own): template assertions stay fast.
 */
export function synthesize(
  config: Record<string, unknown> = {},
  options: { bundle?: boolean; outdir?: string } = {},
) {
  const app = new App({
    context: {
      'dspm-bridge': { ...BASE_CONFIG, ...config },
      ...(options.bundle ? {} : { 'aws:cdk:bundling-stacks': [] }),
    },
    ...(options.outdir ? { outdir: options.outdir } : {}),
  });
  const { stack } = buildApp(app);
  const assembly = app.synth();
  return { app, stack, assembly, template: Template.fromStack(stack) };
}
