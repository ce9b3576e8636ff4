// Shared by the useRoom tests: the hook rendered over fake sockets, with props to change later.
import { renderHook } from "@testing-library/react";
import { createElement, type ReactNode, StrictMode } from "react";
import { type UseRoomOptions, useRoom } from "../../src/react/index.ts";
import { socketFactory } from "../client/support/fake-socket.ts";

// React's act() warns unless the environment says it is a test environment.
(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

export type Chat = { text: string };

/** `useRoom` rendered (in StrictMode with `strict`) over a fake socket factory. */
export function setupUseRoom(over: Partial<UseRoomOptions<Chat>> = {}, strict = false) {
  const sockets = socketFactory();
  let props: UseRoomOptions<Chat> = {
    url: "http://rooms.test",
    room: "lobby",
    token: "t0k",
    createWebSocket: sockets.create,
    ...over,
  };
  const wrapper = strict
    ? ({ children }: { children: ReactNode }) => createElement(StrictMode, null, children)
    : undefined;
  const hook = renderHook((p: UseRoomOptions<Chat>) => useRoom<Chat>(p), { initialProps: props, wrapper });
  return {
    sockets,
    hook,
    rerender(patch: Partial<UseRoomOptions<Chat>>) {
      props = { ...props, ...patch };
      hook.rerender(props);
    },
  };
}
