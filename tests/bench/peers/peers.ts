import { randomBytes } from 'node:crypto'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { freePort } from '../../support/ports.ts'
import { answers, type Peer, startProcess, waitReady } from './procs.ts'
import type { HttpTarget } from './wrk.ts'

// The peers that are not AIaaS (aiaas.ts has those), each started in its own process in front of
// the one mock backend: how it is started, when it is ready, and what a request to it looks like.

export const COMPLETION_BODY = JSON.stringify({
  model: 'echo',
  max_tokens: 16,
  messages: [{ role: 'user', content: 'hello there' }],
})

export interface Context {
  root: string
  peersDir: string
  workDir: string
  /** http://127.0.0.1:<port>, the mock backend. */
  mock: string
}

export interface Running {
  target: HttpTarget
  /** Streams are timed through it (time to first byte). */
  streams: boolean
  procs: Peer[]
  close?: () => Promise<void>
}

export interface PeerSpec {
  id: string
  label: string
  /** The tool infra/bench/install-peers.sh must have installed (build/peers/status.txt). */
  needs: string | null
  start: (context: Context) => Promise<Running>
}

const JSON_TYPE = { 'content-type': 'application/json' }
const chat = (base: string, headers: Record<string, string> = {}): HttpTarget => ({
  url: `${base}/v1/chat/completions`,
  headers: { ...JSON_TYPE, ...headers },
  body: COMPLETION_BODY,
})

const direct: PeerSpec = {
  id: 'direct',
  label: 'direct mock',
  needs: null,
  start: async ({ mock }) => ({ target: chat(mock), streams: true, procs: [] }),
}

const bareProxy: PeerSpec = {
  id: 'bare-proxy',
  label: 'bare @fastify/http-proxy',
  needs: 'http-proxy',
  async start({ root, peersDir, workDir, mock }) {
    const port = await freePort()
    const proc = startProcess(
      'bare proxy',
      process.execPath,
      [join(root, 'tests/bench/peers/bare-proxy.ts'), String(port), mock],
      { env: { AIAAS_PEERS_DIR: peersDir }, log: join(workDir, 'bare-proxy.log') },
    )
    const base = `http://127.0.0.1:${port}`
    await waitReady(proc, () => answers(`${base}/v1/models`), 30_000)
    return { target: chat(base), streams: true, procs: [proc] }
  },
}

const portkey: PeerSpec = {
  id: 'portkey',
  label: 'Portkey gateway',
  needs: 'portkey',
  async start({ peersDir, workDir, mock }) {
    const port = await freePort()
    const gateway = join(peersDir, 'portkey/node_modules/@portkey-ai/gateway')
    // NODE_ENV=production: no log-viewer UI; the provider and the mock as a custom host per request,
    // as its README shows for an OpenAI-compatible server.
    const proc = startProcess(
      'Portkey',
      process.execPath,
      ['build/start-server.js', `--port=${port}`, '--headless'],
      {
        cwd: gateway,
        env: { NODE_ENV: 'production' },
        log: join(workDir, 'portkey.log'),
      },
    )
    const base = `http://127.0.0.1:${port}`
    await waitReady(proc, () => answers(`${base}/`), 30_000)
    const headers = {
      'x-portkey-provider': 'openai',
      'x-portkey-custom-host': `${mock}/v1`,
      authorization: 'Bearer bench',
    }
    return { target: chat(base, headers), streams: false, procs: [proc] }
  },
}

function litellm(workers: number | 'cores', cores: number): PeerSpec {
  const count = workers === 'cores' ? cores : workers
  return {
    id: workers === 'cores' ? 'litellm-cores' : `litellm-${workers}`,
    label: `LiteLLM proxy (${count} worker${count === 1 ? '' : 's'})`,
    needs: 'litellm',
    async start({ peersDir, workDir, mock }) {
      const port = await freePort()
      // LiteLLM refuses to start without a master key; with no database it checks it by comparison.
      const masterKey = `sk-bench-${randomBytes(16).toString('hex')}`
      const config = join(workDir, `litellm-${count}.yaml`)
      await writeFile(
        config,
        [
          'model_list:',
          '  - model_name: echo',
          '    litellm_params:',
          '      model: openai/echo',
          `      api_base: ${mock}/v1`,
          '      api_key: bench',
          'general_settings:',
          `  master_key: ${masterKey}`,
          '',
        ].join('\n'),
      )
      const args = ['--config', config, '--host', '127.0.0.1', '--port', String(port)]
      const proc = startProcess(
        `LiteLLM ×${count}`,
        join(peersDir, 'litellm/bin/litellm'),
        [...args, '--num_workers', String(count), '--telemetry', 'False'],
        // No network: the model price map ships in the package.
        { env: { LITELLM_LOCAL_MODEL_COST_MAP: 'True' }, log: join(workDir, `litellm-${count}.log`) },
      )
      const base = `http://127.0.0.1:${port}`
      await waitReady(proc, () => answers(`${base}/health/liveliness`), 180_000)
      return { target: chat(base, { authorization: `Bearer ${masterKey}` }), streams: false, procs: [proc] }
    },
  }
}

export function otherPeers(cores: number): PeerSpec[] {
  return [direct, bareProxy, portkey, litellm(1, cores), litellm('cores', cores)]
}
