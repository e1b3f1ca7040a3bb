/** Every command id the extension contributes. package.json must declare exactly these (tested). */
export const enum Command {
  Connect = 'estreamer.connect',
  Disconnect = 'estreamer.disconnect',
  Reconnect = 'estreamer.reconnect',
  StartSimulator = 'estreamer.startSimulator',
  OpenDumpFolder = 'estreamer.openDumpFolder',
  ShowCompromisedHosts = 'estreamer.showCompromisedHosts',
  OpenHostTimeline = 'estreamer.openHostTimeline',
  ShowLog = 'estreamer.showLog',
  ForgetProfile = 'estreamer.forgetProfile',
}
