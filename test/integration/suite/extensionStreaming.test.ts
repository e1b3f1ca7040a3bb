/**
 * The extension's everyday path inside a real VS Code (Node extension host): Start Built-in
 * Simulator, connect to it by profile, records stream into dump files in the workspace, the
 * Analyzer finds the scenario's compromised hosts, Disconnect stops the stream. Everything real:
 * the simulator's TLS server on loopback, the core client, the dump writer, the files on disk.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { loadScenario } from '../../../src/sim/scenarios';
import { Simulator } from '../../../src/sim/simulator';
import type { EStreamerApi } from '../../../src/extension/extension';
import type { SimulatorInfo } from '../../../src/extension/simulator';

const extensionId = 'estreamer-tools.estreamer-vscode';

async function api(): Promise<EStreamerApi> {
  const extension = vscode.extensions.getExtension<EStreamerApi>(extensionId);
  assert.ok(extension, `extension ${extensionId} is not loaded`);
  return extension.activate();
}

async function waitFor<T>(what: string, probe: () => T | undefined | false, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function dumpLines(dir: string): { files: string[]; records: number; headers: number } {
  const files = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.estreamer')).map((f) => path.join(dir, f)) : [];
  let records = 0;
  let headers = 0;
  for (const f of files) {
    for (const line of fs.readFileSync(f, 'utf8').split('\n')) {
      if (line.startsWith('#estreamer ')) headers++;
      else if (line.trim()) records++;
    }
  }
  return { files, records, headers };
}

describe('extension: built-in simulator → connect → dumps → hosts → disconnect', function () {
  this.timeout(120_000);
  let info: SimulatorInfo;

  before(async () => {
    await api();
  });

  after(async () => {
    const { connections } = await api();
    for (const c of connections.connections) await c.stop();
  });

  it('starts the built-in simulator and saves its profile without any password in settings', async () => {
    const started = await vscode.commands.executeCommand<SimulatorInfo | undefined>('estreamer.startSimulator', { offerToConnect: false });
    assert.ok(started, 'Start Built-in Simulator returned nothing (see the eStreamer log)');
    info = started;
    assert.ok(info.port > 0);
    assert.ok(fs.statSync(info.pkcs12).size > 1000, 'client.pkcs12 was not written');
    assert.ok(fs.existsSync(path.join(path.dirname(info.pkcs12), 'ca.pem')), 'ca.pem was not written');
    assert.ok(!fs.existsSync(path.join(path.dirname(info.pkcs12), 'password.txt')), 'the simulator password must not be written to disk');

    const profiles = vscode.workspace.getConfiguration('estreamer').get<Record<string, unknown>[]>('profiles') ?? [];
    const profile = profiles.find((p) => p.name === info.profile);
    assert.ok(profile, `no profile "${info.profile}" in estreamer.profiles: ${JSON.stringify(profiles)}`);
    assert.equal(profile.port, info.port);
    assert.equal(profile.host, '127.0.0.1');
    assert.deepEqual(Object.keys(profile).sort(), ['families', 'host', 'name', 'pkcs12', 'port', 'start']);
  });

  it('connects by profile name and streams the scenario into .estreamer files in the workspace', async () => {
    const workspace = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
    assert.ok(workspace, 'the test run opens a workspace folder');
    const connected = await vscode.commands.executeCommand<boolean>('estreamer.connect', info.profile);
    assert.equal(connected, true, 'Connect to FMC did not reach the streaming state (see the eStreamer log)');

    const { connections } = await api();
    const connection = connections.get(info.profile);
    assert.ok(connection);
    assert.equal(connection.dumpDir, path.join(workspace, 'estreamer', `127.0.0.1_${info.port}`));

    // The count only grows; the scenario is finite, so it settles once everything is stored.
    let last = 0;
    let unchangedSince = Date.now();
    await waitFor('the scenario to finish streaming', () => {
      const now = connection.snapshot().records;
      assert.ok(now >= last, `the record count went down from ${last} to ${now}`);
      if (now !== last) unchangedSince = Date.now();
      last = now;
      return now > 0 && Date.now() - unchangedSince > 2_000;
    }, 60_000);
    const onDisk = dumpLines(connection.dumpDir);
    assert.ok(onDisk.files.length >= 1, 'no .estreamer file in the dump folder');
    assert.equal(onDisk.headers, onDisk.files.length, 'each dump file starts with one #estreamer header');
    assert.equal(onDisk.records, connection.snapshot().records, 'every counted record is a line on disk');
    assert.ok(connection.snapshot().byFamily.size > 1, 'the counters break records down by family');
    assert.ok(connection.snapshot().bookmarkSecond, 'the bookmark moved');
  });

  it('finds the scenario\'s compromised hosts, compromised first in Open Host Timeline', async () => {
    const { connections } = await api();
    const scenario = await loadScenario('compromise', {});
    const truth = scenario.truth?.compromised.map((h) => h.ip).sort() ?? [];
    assert.ok(truth.length > 0, 'the compromise scenario has compromised hosts');
    const found = await waitFor('compromised hosts in the analysis', () => {
      const hosts = connections.analyzer.hosts().filter((h) => h.verdict === 'compromised');
      return hosts.length >= truth.length && hosts;
    });
    assert.deepEqual(found.map((h) => h.ip).sort(), truth);
    for (const host of found) {
      const timeline = connections.analyzer.timeline(host.ip);
      assert.ok(timeline && timeline.events.length > 0, `no timeline for ${host.ip}`);
      assert.ok(timeline.events.every((e) => fs.existsSync(e.ref.file)), 'timeline events point into dump files on disk');
    }
    const shown = await vscode.commands.executeCommand<number>('estreamer.showCompromisedHosts');
    assert.equal(shown, truth.length);
    // With an IP the command opens that host's timeline without asking.
    const opened = await vscode.commands.executeCommand<string | undefined>('estreamer.openHostTimeline', { ip: truth[0] });
    assert.equal(opened, truth[0]);
  });

  it('stops streaming on Disconnect and keeps the dump', async () => {
    const { connections } = await api();
    const connection = connections.get(info.profile);
    assert.ok(connection?.isActive);
    await vscode.commands.executeCommand('estreamer.disconnect', info.profile);
    await waitFor('the connection to stop', () => !connection.isActive);
    assert.equal(connection.state.kind, 'stopped');
    const before = dumpLines(connection.dumpDir).records;
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(dumpLines(connection.dumpDir).records, before);
    assert.equal(connections.active.length, 0);
  });

  it('resumes from the bookmark on Reconnect: nothing is dumped twice', async () => {
    const { connections } = await api();
    const dumpDir = connections.get(info.profile)!.dumpDir;
    const before = dumpLines(dumpDir).records;
    const reconnected = await vscode.commands.executeCommand<boolean>('estreamer.reconnect', info.profile);
    assert.equal(reconnected, true);
    const connection = connections.get(info.profile)!;
    assert.equal(connection.state.kind, 'streaming');
    // The finite scenario was fully stored: the resumed stream brings nothing new.
    await new Promise((r) => setTimeout(r, 2_000));
    assert.equal(dumpLines(dumpDir).records, before, 'records were dumped again after Reconnect');
    await vscode.commands.executeCommand('estreamer.disconnect', info.profile);
    await waitFor('the connection to stop', () => !connection.isActive);
  });

  it('stops with a message naming the dump folder setting when the dump cannot be written', async () => {
    const workspace = vscode.workspace.workspaceFolders![0].uri.fsPath;
    // A folder "inside" a regular file cannot be created, even by root.
    const blocker = path.join(workspace, 'not-a-folder.txt');
    fs.writeFileSync(blocker, 'a file where the dump folder should be\n');
    const config = vscode.workspace.getConfiguration('estreamer');
    await config.update('dumpFolder', path.join(blocker, 'dumps'), vscode.ConfigurationTarget.Global);
    await waitFor('the setting to arrive', () => vscode.workspace.getConfiguration('estreamer').get('dumpFolder') === path.join(blocker, 'dumps'), 5_000);
    try {
      await vscode.commands.executeCommand<boolean>('estreamer.connect', info.profile);
      const { connections } = await api();
      const connection = connections.get(info.profile)!;
      await waitFor('the connection to stop', () => !connection.isActive);
      const failure = connection.snapshot().lastError;
      assert.equal(failure?.kind, 'dump-unwritable', JSON.stringify(failure));
      assert.match(failure.message, /estreamer\.dumpFolder/);
    } finally {
      await config.update('dumpFolder', undefined, vscode.ConfigurationTarget.Global);
      fs.rmSync(blocker, { force: true });
    }
  });

  it('tells the user the port is unreachable when nothing listens there', async () => {
    // Same profile (so its stored password) but a port where nothing listens.
    const config = vscode.workspace.getConfiguration('estreamer');
    const profiles = config.get<Record<string, unknown>[]>('profiles') ?? [];
    const closedPort = await freePort();
    await updateProfiles(profiles.map((p) => (p.name === info.profile ? { ...p, port: closedPort } : p)));
    try {
      const connected = await vscode.commands.executeCommand<boolean>('estreamer.connect', info.profile);
      assert.equal(connected, false);
      const { connections } = await api();
      const failure = connections.get(info.profile)?.snapshot().lastError;
      assert.equal(failure?.kind, 'unreachable', JSON.stringify(failure));
      assert.match(failure.message, new RegExp(`port ${closedPort} is reachable.*firewall`));
      assert.equal(connections.get(info.profile)?.isActive, false);
    } finally {
      await updateProfiles(profiles);
    }
  });
});

/** Updates estreamer.profiles and waits until this extension host sees the new value. */

describe('extension: connection failures say what to do', function () {
  this.timeout(120_000);
  let info: SimulatorInfo;
  let saved: unknown[];
  /** Another FMC: its internal CA did not issue the built-in simulator's client certificate. */
  let stranger: Simulator;

  before(async () => {
    await api();
    const started = await vscode.commands.executeCommand<SimulatorInfo | undefined>('estreamer.startSimulator', { offerToConnect: false });
    assert.ok(started);
    info = started;
    saved = vscode.workspace.getConfiguration('estreamer').get<unknown[]>('profiles') ?? [];
    stranger = await Simulator.create({ scenario: 'compromise', host: '127.0.0.1', port: 0 });
    const { port } = await stranger.start();
    // The built-in profile (and so its stored password) pointed at the other FMC.
    await updateProfiles(saved.map((p) => ((p as { name: string }).name === info.profile ? { ...(p as object), port } : p)));
  });

  after(async () => {
    await updateProfiles(saved);
    await stranger?.stop();
  });

  it('tells the user to create a client for this host when the FMC refuses the certificate', async () => {
    const connected = await vscode.commands.executeCommand<boolean>('estreamer.connect', info.profile);
    assert.equal(connected, false);
    const connection = (await api()).connections.get(info.profile);
    const failure = connection?.snapshot().lastError;
    assert.equal(failure?.kind, 'certificate-refused', JSON.stringify(failure));
    assert.match(failure.message, /create a client for this host's IP in System > Integration > eStreamer/);
    assert.equal(connection?.isActive, false);
  });
});

async function updateProfiles(profiles: unknown[]): Promise<void> {
  const wanted = JSON.stringify(profiles);
  await vscode.workspace.getConfiguration('estreamer').update('profiles', profiles, vscode.ConfigurationTarget.Global);
  await waitFor('the settings change to arrive', () => JSON.stringify(vscode.workspace.getConfiguration('estreamer').get('profiles')) === wanted, 5_000);
}

async function freePort(): Promise<number> {
  const net = await import('node:net');
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolve(port));
    });
  });
}
