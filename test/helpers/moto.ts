/** The tests start moto the way `demo --aws-local` does. */
export { freePort, MOTO_AWS, type MotoServer, startMoto } from '../../cli/local-aws.ts';
