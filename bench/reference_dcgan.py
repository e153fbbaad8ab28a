"""The seed's DCGAN written plainly, the textbook eager-PyTorch way (as pytorch/examples' dcgan):
nn.Sequential models ending in Sigmoid, BCELoss, separate real and fake passes through D,
`fake.detach()`, PyTorch's default symmetric padding and initialisation. The baseline that
gankit's training step is measured against; it is not part of the library.
"""

import torch
from torch import nn


def generator() -> nn.Module:
    return nn.Sequential(
        nn.Linear(100, 7 * 7 * 128), nn.Unflatten(1, (128, 7, 7)),
        nn.BatchNorm2d(128), nn.ReLU(), nn.ConvTranspose2d(128, 128, 5, 2, 2, output_padding=1),
        nn.BatchNorm2d(128), nn.ReLU(), nn.ConvTranspose2d(128, 64, 5, 2, 2, output_padding=1),
        nn.BatchNorm2d(64), nn.ReLU(), nn.ConvTranspose2d(64, 32, 5, 1, 2),
        nn.BatchNorm2d(32), nn.ReLU(), nn.ConvTranspose2d(32, 1, 5, 1, 2),
        nn.Sigmoid(),
    )


def discriminator() -> nn.Module:
    return nn.Sequential(
        nn.LeakyReLU(0.2), nn.Conv2d(1, 32, 5, 2, 2),
        nn.LeakyReLU(0.2), nn.Conv2d(32, 64, 5, 2, 2),
        nn.LeakyReLU(0.2), nn.Conv2d(64, 128, 5, 2, 2),
        nn.LeakyReLU(0.2), nn.Conv2d(128, 256, 5, 1, 2),
        nn.Flatten(), nn.Linear(256 * 4 * 4, 1), nn.Sigmoid(),
    )


class ReferenceGAN:
    """One training iteration per `step()`, on a fixed real batch, on the batch's device."""

    def __init__(self, real: torch.Tensor):
        self.real, self.batch, self.device = real, len(real), real.device
        self.g, self.d = generator().to(self.device), discriminator().to(self.device)
        self.g_opt = torch.optim.RMSprop(self.g.parameters(), lr=1e-4, alpha=0.9, eps=1e-7)
        self.d_opt = torch.optim.RMSprop(self.d.parameters(), lr=2e-4, alpha=0.9, eps=1e-7)
        self.bce = nn.BCELoss()

    def step(self) -> None:
        ones, zeros = torch.ones(self.batch, 1, device=self.device), torch.zeros(self.batch, 1, device=self.device)
        z = torch.rand(self.batch, 100, device=self.device) * 2 - 1
        fake = self.g(z)
        self.d_opt.zero_grad()
        d_loss = self.bce(self.d(self.real), ones) + self.bce(self.d(fake.detach()), zeros)
        d_loss.backward()
        self.d_opt.step()
        self.g_opt.zero_grad()
        g_loss = self.bce(self.d(self.g(torch.rand(self.batch, 100, device=self.device) * 2 - 1)), ones)
        g_loss.backward()
        self.g_opt.step()
        d_loss.item(), g_loss.item()  # the textbook loop prints its losses every step
